-- GET the URL as given (/healthz): only the report.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
