#!lua
-- Deletes a v2 consumer instance; with ARGV[1] (ms), only if unused that long. KEYS: state, lease.
-- Returns {'gone'}, {'in-use', last used} when it was used since, or {'removed'}. Of gateways
-- racing to expire one instance, one removes it.
local u = redis.call('HGET', KEYS[1], 'u')
if not u then return { 'gone' } end
if ARGV[1] ~= '' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if tonumber(u) + tonumber(ARGV[1]) > now then return { 'in-use', u } end
end
redis.call('DEL', KEYS[1], KEYS[2])
return { 'removed' }
