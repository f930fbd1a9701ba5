"""Interrupts a calibration and resumes it.

Usage: kill_and_resume.py CHECKPOINT -- COMMAND...

Starts COMMAND (an ost-opt run of ost-calibrate with checkpoint=CHECKPOINT
and resume=true), kills it with SIGKILL as soon as CHECKPOINT exists (so the
run dies mid-calibration, not at a clean exit), checks that it really was
interrupted, then runs COMMAND again to completion. The caller compares the
final output with an uninterrupted run.
"""

import os
import signal
import subprocess
import sys
import time

ckpt = sys.argv[1]
assert sys.argv[2] == "--"
cmd = sys.argv[3:]
if os.path.exists(ckpt):
    os.remove(ckpt)
proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while not os.path.exists(ckpt):
    if proc.poll() is not None:
        sys.exit("kill_and_resume: the run ended before writing a checkpoint")
    time.sleep(0.002)
proc.send_signal(signal.SIGKILL)
rc = proc.wait()
if rc != -signal.SIGKILL:
    sys.exit(f"kill_and_resume: the run finished (rc {rc}) before it could be "
             "killed; use more steps")
print("killed mid-run")
done = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
sys.stderr.write(done.stderr)
if done.returncode != 0:
    sys.exit(f"kill_and_resume: the resumed run failed ({done.returncode})")
for line in done.stderr.splitlines():
    if line.startswith("calibration: resuming at step"):
        print(line)
