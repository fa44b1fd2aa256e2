/**
 * The Lua script that applies a {@link SessionChange} to Redis in one atomic step: meta, history rewrite or
 * append, history hashes and ledger entries land together or not at all, so a crash never leaves meta and
 * history out of step.
 *
 * KEYS: meta, history, hashes, ledger, totals, version. ARGV: meta JSON, `from` (-1 for no history change), message
 * count, TTL in ms (0 for none), totals mode (`none`, `add`: add the deltas, or take the absolute values when no
 * totals are stored; `set`: take the absolute values), the version the change was made on (`-1`: any), the
 * {@link totalsFields} deltas, the same fields' absolute values, then the messages, the hashes and the ledger
 * entries, each as JSON.
 * Every applied save increments the session's version (KEYS[6]).
 * Answers `{1, historyLength, version}`; without writing anything, `{2, historyLength, version}` when the stored
 * version is not the one the change was made on (compare-and-set), or `{0, storedLength}` when `from` is past the
 * end.
 *
 * @module
 */
import { luaScript } from "./redis-connection.js";

/** The fields of `SessionTotals`, in the order the script takes them. */
export const totalsFields = [
  "calls",
  "promptTokens",
  "outputTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "costUsd",
  "uncompactedCostUsd",
  "summarizerCostUsd",
  "unpricedCalls",
  "compactions",
] as const;

const fieldCount = totalsFields.length;
/** Index of the first message argument (Lua arrays start at 1). */
const firstPayload = 7 + 2 * fieldCount;
const fieldList = totalsFields.map((field) => `'${field}'`).join(", ");

/** The save script. */
export const saveSessionScript = luaScript(`
local from = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local expected = tonumber(ARGV[6])
if expected >= 0 then
  local stored = tonumber(redis.call('GET', KEYS[6]) or '0')
  if stored ~= expected then return {2, redis.call('LLEN', KEYS[2]), stored} end
end
if from >= 0 then
  local length = redis.call('LLEN', KEYS[2])
  if from > length then return {0, length} end
  if from < length then
    if from == 0 then
      redis.call('DEL', KEYS[2], KEYS[3])
    else
      redis.call('LTRIM', KEYS[2], 0, from - 1)
      redis.call('LTRIM', KEYS[3], 0, from - 1)
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1])
local fields = {${fieldList}}
local mode = ARGV[5]
if mode == 'set' or (mode == 'add' and redis.call('EXISTS', KEYS[5]) == 0) then
  redis.call('DEL', KEYS[5])
  for index, field in ipairs(fields) do redis.call('HSET', KEYS[5], field, ARGV[6 + ${fieldCount} + index]) end
elseif mode == 'add' then
  for index, field in ipairs(fields) do
    if ARGV[6 + index] ~= '0' then redis.call('HINCRBYFLOAT', KEYS[5], field, ARGV[6 + index]) end
  end
end
local function push(key, first, last)
  for start = first, last, 1000 do
    redis.call('RPUSH', key, unpack(ARGV, start, math.min(start + 999, last)))
  end
end
push(KEYS[2], ${firstPayload}, ${firstPayload - 1} + count)
push(KEYS[3], ${firstPayload} + count, ${firstPayload - 1} + 2 * count)
push(KEYS[4], ${firstPayload} + 2 * count, #ARGV)
local version = redis.call('INCR', KEYS[6])
if ttl > 0 then
  for index = 1, 6 do redis.call('PEXPIRE', KEYS[index], ttl) end
end
return {1, redis.call('LLEN', KEYS[2]), version}
`);
