"""Where a single-event POST spends its time: `make bench-profile`.

Runs `--requests` single-event POSTs (unique keys, an API key, the bench database of
bench/common.py) through the very WSGI application gunicorn serves, in this process,
under pyinstrument, after a warm-up; prints the call tree (frames under 1 % hidden)
and the mean time per request, and before that the same number of POSTs unprofiled:
wall and CPU time each (CPU time is what another process's load changes least). The HTTP server itself (gunicorn's parsing and
socket writes) is not in the picture: /healthz's rate in `make bench-ingest` is its
ceiling.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_environment, machine_line
from bench.ingest import prepare_tenant


def poster(tenant_id: str, key: str) -> Callable[[], int]:
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    body = json.dumps({"external_customer_id": "cus_bench", "meter": "api_calls", "value": "1"}).encode()
    path = f"/v1/tenants/{tenant_id}/usage"
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
        statuses.append(status)
        return lambda data: None

    def post() -> int:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Bearer {key}",
            "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex,
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        response = app(environ, start_response)
        b"".join(response)
        getattr(response, "close", lambda: None)()
        status = int(statuses.pop().split()[0])
        if status != 201:
            raise SystemExit(f"the usage POST answered {status}")
        return status

    return post


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()

    from pyinstrument import Profiler

    bench_environment()
    tenant_id, key, _ = prepare_tenant()
    post = poster(tenant_id, key)
    for _ in range(300):
        post()
    # Unprofiled first: CPU time per request is what a loaded machine changes least.
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        post()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    profiler = Profiler(interval=0.0002)
    started = time.perf_counter()
    profiler.start()
    for _ in range(args.requests):
        post()
    profiler.stop()
    seconds = time.perf_counter() - started
    print(machine_line())
    print(f"load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    each = 1000 / args.requests
    print(
        f"{args.requests} single-event POSTs in-process, unprofiled: {wall * each:.2f} ms each, {cpu * each:.2f} ms CPU"
    )
    print(f"{args.requests} single-event POSTs in-process: {seconds / args.requests * 1000:.2f} ms each (profiled)")
    print(profiler.output_text(unicode=True, color=False, show_all=False, time="percent_of_total"))


if __name__ == "__main__":
    main()
