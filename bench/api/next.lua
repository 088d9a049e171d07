-- GET /memory/next?limit=10 for a random seeded user.
local users = dofile(os.getenv("TOKENS") or "tokens.lua")
dofile("bench/api/threads.lua")
request = function()
  local u = users[math.random(#users)]
  return wrk.format("GET", "/memory/next?limit=10", {["Authorization"] = "Bearer " .. u[2]})
end
