#!/bin/bash
# The load check .ci/run calls: chat alone under load (N = 10, 100, 500 closed
# loop, 100 x 5 msg/s, 200- and 4000-byte texts, 1000 connects at once, one
# stalled reader among 100, rooms, the cluster, a join storm of 2000 into one
# room and 2000 held with 20 posting, the IRC port). Exits non-zero unless
# every delivery arrived exactly once, in order and intact, every client's view
# of the room was right and the stalled reader was dropped as slow. No timing
# asserts. ~2 min; builds the loadgen from the shared rig (BENCH_RIG, default
# ../shared/bench beside the checkout) with cc.
exec bash "$(dirname "$0")/run.sh" --check "$@"
