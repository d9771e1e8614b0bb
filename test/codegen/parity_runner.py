# Runs calls of a generated Python module for the parity tests (test/codegen/*.test.ts): one process answers many
# calls. Usage: python parity_runner.py MODULE_DIR MODULE_NAME. Reads one JSON request a line from stdin,
# {"fn": "<python name>", "args": [...]}, and answers one line each, in order and flushed at once:
# {"ok": <result>} or {"error": "<message>", "type": "<exception type>"}. Results are JSON with NaN and the infinities written
# as the strings "$NaN", "$Infinity", "$-Infinity" (JSON has no such numbers); tuples become arrays.
import importlib
import json
import math
import sys


def plain(value):
    if isinstance(value, float) and not math.isfinite(value):
        if value != value:
            return "$NaN"
        return "$Infinity" if value > 0 else "$-Infinity"
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def main() -> int:
    sys.path.insert(0, sys.argv[1])
    module = importlib.import_module(sys.argv[2])
    for line in sys.stdin:
        if line.strip() == "":
            continue
        request = json.loads(line)
        try:
            result = {"ok": plain(getattr(module, request["fn"])(*request["args"]))}
        except Exception as error:  # noqa: BLE001 - every failure is reported to the test, which compares it
            result = {"error": str(error), "type": type(error).__name__}
        sys.stdout.write(json.dumps(result, ensure_ascii=True, allow_nan=False) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
