-- POST /memory/review: a random seeded user grades one of their 20 items (ids as seed.sql derives them).
local users = dofile(os.getenv("TOKENS") or "tokens.lua")
dofile("bench/api/threads.lua")
request = function()
  local u = users[math.random(#users)]
  local body = '{"memory_id":"' .. u[3][math.random(20)] .. '","grade":' .. math.random(2, 5) .. '}'
  return wrk.format("POST", "/memory/review", {["Authorization"] = "Bearer " .. u[2], ["Content-Type"] = "application/json"}, body)
end
