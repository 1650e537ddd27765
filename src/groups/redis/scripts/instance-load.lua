#!lua
-- Reads a v2 consumer instance, marking it used when ARGV[1] is '1'. KEYS: state, lease.
-- Returns false when there is none, else {version, state JSON, last used, lease token or ''}.
if ARGV[1] == '1' then
  if redis.call('EXISTS', KEYS[1]) == 0 then return false end
  local t = redis.call('TIME')
  redis.call('HSET', KEYS[1], 'u', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
end
local s = redis.call('HMGET', KEYS[1], 'v', 'doc', 'u')
if not s[1] then return false end
return { s[1], s[2], s[3], redis.call('GET', KEYS[2]) or '' }
