# A CPU-bound pure-Python workload for bench/dynamic.sh: integer arithmetic,
# dicts, strings and a small sort, no I/O. Prints its result (for checking that
# both runs computed the same) and its own run time, without start-up:
#   result=... seconds=...
import sys
import time


def work(n):
    total = 0
    seen = {}
    words = []
    for i in range(n):
        total = (total + i * i) % 1000003
        key = i % 4099
        seen[key] = seen.get(key, 0) + 1
        if i % 97 == 0:
            words.append(str(total))
    words.sort()
    return total, len(seen), len(words), words[len(words) // 2]


n = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
start = time.perf_counter()
result = work(n)
elapsed = time.perf_counter() - start
print(f"result={result[0]},{result[1]},{result[2]},{result[3]} seconds={elapsed:.4f}")
