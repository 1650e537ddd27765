#!lua
-- Removes records from the head of one partition and advances its log start offset: DeleteRecords
-- and retention (see LogStore.trimHead). A head record goes while any given limit asks for it; the
-- first record that no limit asks for stops the call, as does the record budget, so one call holds
-- Redis for a bounded time. The start never moves backwards nor past the next offset, and the
-- stored-bytes count moves with it, so concurrent callers only ever repeat a no-op.
-- KEYS[1] stream, KEYS[2] meta hash, KEYS[3] time index.
-- ARGV[1] remove offsets below this, ARGV[2] remove timestamps below this (epoch ms), ARGV[3] remove
-- while the partition stores more bytes than this ('' for a limit not given); ARGV[4] most records,
-- ARGV[5] most bytes (the call stops after the record that reaches it; the first record always goes).
-- A record's stored bytes are the lengths of its field values (timestamp digits, key, value,
-- headers), as append.lua counts them.
-- Returns { log start offset, removed records, removed bytes, 1 when a budget stopped the call }.
local stream, meta, tidx = KEYS[1], KEYS[2], KEYS[3]
local beforeOffset, beforeTs, maxBytes, limit, byteLimit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local state = redis.call('HMGET', meta, 'start', 'next', 'bytes')
if not state[2] then return { 0, 0, 0, 0 } end
local start, nextOffset, bytes = tonumber(state[1] or '0'), tonumber(state[2]), tonumber(state[3] or '0')

local removed, removedBytes, newStart = 0, 0, start
local ranOut, budgetSpent = false, false
-- The first page is one entry: most calls are a cleaner's pass finding the head must stay.
local count = 1
while removed < limit do
  local entries = redis.call('XRANGE', stream, '0-' .. (newStart + 1), '+', 'COUNT', count)
  local stopped = false
  for _, entry in ipairs(entries) do
    local offset = tonumber(string.sub(entry[1], 3)) - 1
    local fields = entry[2]
    local size, ts = 0, nil
    for i = 1, #fields, 2 do
      size = size + #fields[i + 1]
      if fields[i] == 't' then ts = tonumber(fields[i + 1]) end
    end
    local goes = (beforeOffset ~= nil and offset < beforeOffset)
      or (beforeTs ~= nil and ts ~= nil and ts < beforeTs)
      or (maxBytes ~= nil and bytes - removedBytes > maxBytes)
    if not goes then
      stopped = true
      break
    end
    removed = removed + 1
    removedBytes = removedBytes + size
    newStart = offset + 1
    if removed >= limit or removedBytes >= byteLimit then
      budgetSpent = true
      break
    end
  end
  if stopped or budgetSpent then break end
  if #entries < count then
    ranOut = true
    break
  end
  count = math.min(64, limit - removed)
end

if ranOut then
  -- No record is left at or after newStart: retention empties the log up to its next offset, and
  -- DeleteRecords moves the start to the offset asked for (which may lie past the last record).
  if beforeTs ~= nil or maxBytes ~= nil then newStart = nextOffset end
  if beforeOffset ~= nil then newStart = math.max(newStart, math.min(beforeOffset, nextOffset)) end
end
newStart = math.min(newStart, nextOffset)
if newStart <= start then return { start, 0, 0, 0 } end

redis.call('XTRIM', stream, 'MINID', '0-' .. (newStart + 1))
redis.call('HSET', meta, 'start', newStart, 'bytes', math.max(0, bytes - removedBytes))
-- Index points below the new start are useless; their scores grow with their offsets, so they are
-- the lowest ranks.
local points = redis.call('ZRANGE', tidx, 0, removed)
local below = 0
for _, member in ipairs(points) do
  if tonumber(member) >= newStart then break end
  below = below + 1
end
if below > 0 then redis.call('ZREMRANGEBYRANK', tidx, 0, below - 1) end
return { newStart, removed, removedBytes, budgetSpent and 1 or 0 }
