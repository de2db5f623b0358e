"""Benchmarks: scripts that build England-scale data and PRINT timings and query counts.

Nothing here asserts on time: the figures are for reading (and pasting into closing notes).

    .venv/bin/python -m benchmarks.register            # the register at 30,000 services (`make bench`)
    .venv/bin/python -m benchmarks.register --quick    # smaller sizes, for a smoke run
    .venv/bin/python -m benchmarks.visits              # caseload, action plans and the API at 30,000 services,
                                                       # 300,000 visits and 100,000 actions (--quick: smaller)

By default each run uses a temporary SQLite file. Set BENCH_DATABASE_URL to use PostgreSQL; the
database's name must contain "bench", because every table in it is dropped and rebuilt:

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE pm_bench'
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/pm_bench make bench

Shared building blocks, for later benchmarks (CQC imports, visits, flags, the map):

- benchmarks.environment: a fresh database, the app bound to it, signed-in test clients;
- benchmarks.data: bulk building of the register (districts, wards, staff, providers, services,
  audit history) with SQLAlchemy bulk inserts, growable from a small size to a large one;
- benchmarks.measure: request timing, SQL statement logging and counting, EXPLAIN, Markdown output.
"""
