#!/usr/bin/env python3
"""Writes a wrk Lua module with HS256 bearer tokens for the seeded users (uuid = md5(i) as in seed.sql)."""
import base64, hashlib, hmac, json, sys, time, uuid

secret, count, out = sys.argv[1].encode(), int(sys.argv[2]), sys.argv[3]

def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def token(sub: str) -> str:
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64(json.dumps({"sub": sub, "exp": int(time.time()) + 6 * 3600}, separators=(",", ":")).encode())
    sig = b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{sig}"

with open(out, "w") as f:
    f.write("return {\n")
    for i in range(1, count + 1):
        uid = str(uuid.UUID(hashlib.md5(str(i).encode()).hexdigest()))
        items = ", ".join('"' + str(uuid.UUID(hashlib.md5(f"{i}:{c}".encode()).hexdigest())) + '"' for c in range(1, 21))
        f.write(f'  {{"{uid}", "{token(uid)}", {{{items}}}, "{token(str(i))}"}},\n')
    f.write("}\n")
