#!/bin/bash
# The load check .ci/run calls: chat alone under load (N = 10, 100, 500 closed
# loop, 100 x 5 msg/s, 200- and 4000-byte texts, 1000 connects at once, one
# stalled reader among 100). Exits non-zero unless every delivery arrived
# exactly once, in order and intact, and the stalled reader was dropped as
# slow. No timing asserts. ~30 s; builds the loadgen from the shared rig
# (BENCH_RIG, default ../shared/bench beside the checkout) with cc.
exec bash "$(dirname "$0")/run.sh" --check "$@"
