/**
 * The Redis ledger's Lua scripts. Each runs atomically, so processes sharing a Redis can never reserve past a
 * limit together. Units are integer nanodollars and tokens, passed as strings so no float formatting creeps in
 * (Redis reads "-0" as no integer, hence `negated`).
 *
 * Keys: a window is a hash (`spentNanos`, `reservedNanos`, `spentTokens`, `reservedTokens`, and one field
 * `r:<reservation id>` = `"<nanos> <tokens>"` per live hold) plus a sorted set `<window>:held` of hold ids by
 * expiry. A reservation is a hash (`state`, `nanos`, `tokens`, `windows` as JSON, `settledNanos`,
 * `settledTokens`). Each window entry answers `{limitId, start, spentNanos, reservedNanos, spentTokens,
 * reservedTokens, limitJson or false}`.
 *
 * @module
 */
import { luaScript } from "../../store/internal/redis-connection.js";

const prelude = `
local function negated(digits)
  if digits == '0' then return '0' end
  return '-' .. digits
end
local function purge(window, now)
  local held = window .. ':held'
  local expired = redis.call('ZRANGEBYSCORE', held, '-inf', now)
  for _, id in ipairs(expired) do
    local amount = redis.call('HGET', window, 'r:' .. id)
    if amount then
      local nanos, tokens = string.match(amount, '^(%d+) (%d+)$')
      redis.call('HINCRBY', window, 'reservedNanos', negated(nanos))
      redis.call('HINCRBY', window, 'reservedTokens', negated(tokens))
      redis.call('HDEL', window, 'r:' .. id)
    end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', held, '-inf', now) end
end
local function counters(window)
  local values = redis.call('HMGET', window, 'spentNanos', 'reservedNanos', 'spentTokens', 'reservedTokens')
  local result = {}
  for index = 1, 4 do result[index] = (values[index] and tonumber(values[index])) or 0 end
  return result
end
local function report(entry)
  local c = counters(entry.w)
  return {entry.id, entry.s, c[1], c[2], c[3], c[4], redis.call('GET', entry.l)}
end
local function unhold(window, id)
  local amount = redis.call('HGET', window, 'r:' .. id)
  if not amount then return false end
  local nanos, tokens = string.match(amount, '^(%d+) (%d+)$')
  redis.call('HINCRBY', window, 'reservedNanos', negated(nanos))
  redis.call('HINCRBY', window, 'reservedTokens', negated(tokens))
  redis.call('HDEL', window, 'r:' .. id)
  redis.call('ZREM', window .. ':held', id)
  return true
end
`;

/**
 * KEYS: reservation, then per limit its window and its definition key. ARGV: id, nanos, tokens, now, expiresAt,
 * retentionMs, then per limit: maxNanos (-1 for none), maxTokens (-1), window drop time (0 for never), limit id,
 * window start (`all` for none), definition JSON. Answers `{'ok'|'repeated', entries}` or
 * `{'refused', limitIndex, 'usd'|'tokens', entry}`.
 */
export const reserveScript = luaScript(`${prelude}
local count = (#KEYS - 1) / 2
local now = ARGV[4]
local entries = {}
for index = 1, count do
  local base = 6 + (index - 1) * 6
  entries[index] = {w = KEYS[index * 2], l = KEYS[index * 2 + 1], id = ARGV[base + 4], s = ARGV[base + 5], d = ARGV[base + 3]}
  redis.call('SET', KEYS[index * 2 + 1], ARGV[base + 6])
  purge(KEYS[index * 2], now)
end
local function reports()
  local result = {}
  for index, entry in ipairs(entries) do result[index] = report(entry) end
  return result
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'repeated', reports()} end
local nanos = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])
for index, entry in ipairs(entries) do
  local base = 6 + (index - 1) * 6
  local c = counters(entry.w)
  local maxNanos = tonumber(ARGV[base + 1])
  local maxTokens = tonumber(ARGV[base + 2])
  if maxNanos >= 0 and c[1] + c[2] + nanos > maxNanos then return {'refused', index, 'usd', report(entry)} end
  if maxTokens >= 0 and c[3] + c[4] + tokens > maxTokens then return {'refused', index, 'tokens', report(entry)} end
end
for _, entry in ipairs(entries) do
  redis.call('HINCRBY', entry.w, 'reservedNanos', ARGV[2])
  redis.call('HINCRBY', entry.w, 'reservedTokens', ARGV[3])
  redis.call('HSET', entry.w, 'r:' .. ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
  redis.call('ZADD', entry.w .. ':held', ARGV[5], ARGV[1])
  if entry.d ~= '0' then
    redis.call('PEXPIREAT', entry.w, entry.d)
    redis.call('PEXPIREAT', entry.w .. ':held', entry.d)
  end
end
redis.call('HSET', KEYS[1], 'state', 'held', 'nanos', ARGV[2], 'tokens', ARGV[3], 'windows', cjson.encode(entries))
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return {'ok', reports()}
`);

/**
 * KEYS: reservation. ARGV: id, nanos, tokens, now, retentionMs. Answers `{'unknown'}`,
 * `{'already-settled', nanos, tokens, entries}` or `{'settled', nanos, tokens, entries}`.
 */
export const settleScript = luaScript(`${prelude}
local record = redis.call('HMGET', KEYS[1], 'state', 'windows', 'settledNanos', 'settledTokens')
if not record[1] or record[1] == 'void' then return {'unknown'} end
local entries = cjson.decode(record[2])
local result = {}
if record[1] == 'settled' then
  for index, entry in ipairs(entries) do
    purge(entry.w, ARGV[4])
    result[index] = report(entry)
  end
  return {'already-settled', record[3], record[4], result}
end
for index, entry in ipairs(entries) do
  purge(entry.w, ARGV[4])
  unhold(entry.w, ARGV[1])
  redis.call('HINCRBY', entry.w, 'spentNanos', ARGV[2])
  redis.call('HINCRBY', entry.w, 'spentTokens', ARGV[3])
  if entry.d ~= '0' then redis.call('PEXPIREAT', entry.w, entry.d) end
  result[index] = report(entry)
end
redis.call('HSET', KEYS[1], 'state', 'settled', 'settledNanos', ARGV[2], 'settledTokens', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'settled', ARGV[2], ARGV[3], result}
`);

/**
 * KEYS: reservation. ARGV: id, now, retentionMs. Answers 1 when a live hold was dropped, else 0. Releasing an id
 * that was never reserved leaves a `void` marker for `retentionMs`: a reserve of that id that arrives late (it
 * timed out on the client) then holds nothing, while a settle or record of it still counts.
 */
export const releaseScript = luaScript(`${prelude}
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  redis.call('HSET', KEYS[1], 'state', 'void')
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 0
end
if state ~= 'held' then return 0 end
local released = 0
for _, entry in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'windows'))) do
  purge(entry.w, ARGV[2])
  if unhold(entry.w, ARGV[1]) then released = 1 end
end
redis.call('HSET', KEYS[1], 'state', 'released')
return released
`);

/** KEYS: window. ARGV: now. Drops expired holds and answers the four counters. */
export const statusScript = luaScript(`${prelude}
purge(KEYS[1], ARGV[1])
return counters(KEYS[1])
`);

/**
 * KEYS: reservation, then per limit its window and its definition key. ARGV: id, nanos, tokens, now,
 * retentionMs, then per limit: window drop time (0 for never), limit id, window start, definition JSON (stored
 * only when none is). Adds settled spend without checking maxima. Answers `{'recorded'|'repeated', entries}`.
 */
export const recordScript = luaScript(`${prelude}
local count = (#KEYS - 1) / 2
local entries = {}
for index = 1, count do
  local base = 5 + (index - 1) * 4
  entries[index] = {w = KEYS[index * 2], l = KEYS[index * 2 + 1], id = ARGV[base + 2], s = ARGV[base + 3], d = ARGV[base + 1]}
  redis.call('SET', KEYS[index * 2 + 1], ARGV[base + 4], 'NX')
  purge(KEYS[index * 2], ARGV[4])
end
local function reports()
  local result = {}
  for index, entry in ipairs(entries) do result[index] = report(entry) end
  return result
end
local previous = redis.call('HGET', KEYS[1], 'state')
if previous and previous ~= 'void' then return {'repeated', reports()} end
for _, entry in ipairs(entries) do
  redis.call('HINCRBY', entry.w, 'spentNanos', ARGV[2])
  redis.call('HINCRBY', entry.w, 'spentTokens', ARGV[3])
  if entry.d ~= '0' then redis.call('PEXPIREAT', entry.w, entry.d) end
end
redis.call('HSET', KEYS[1], 'state', 'settled', 'nanos', ARGV[2], 'tokens', ARGV[3], 'windows', cjson.encode(entries),
  'settledNanos', ARGV[2], 'settledTokens', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'recorded', reports()}
`);
