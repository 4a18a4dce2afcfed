"""Process handling shared by the benchmarks."""

import signal
import subprocess


def terminate(proc, timeout=30):
    """Stops `proc` with SIGTERM, as an operator would, and kills it if it does not exit in
    `timeout` seconds. Does nothing when it is None or has exited already."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
