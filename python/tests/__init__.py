# The helper's tests: `cd python && /usr/bin/python3 -m unittest` (the Maven build of services/worker runs them).
