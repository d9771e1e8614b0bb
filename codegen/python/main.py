# The Spark job's entry point. PLACEHOLDER: the runtime issue replaces this file with the real driver (list both
# stores, diff with the translated core above, partition, run the copy tasks, write the log). Until then the job
# says so and exits 2.
import sys


def main() -> int:
    print("lake2oci job: runtime not built yet")
    return 2


if __name__ == "__main__":
    sys.exit(main())
