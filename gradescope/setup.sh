#!/usr/bin/env bash
# Gradescope autograder set-up: runs once, as root, when Gradescope builds the image.
# The autograder zip holds this file, run_autograder, private.json and lossedu-src/
# (the package, pyproject.toml and constraints.txt); see README.md.
set -euxo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
# bubblewrap sandboxes each submission; python3-venv for an isolated environment
apt-get install -y --no-install-recommends bubblewrap python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
# the CPU build of torch is enough to grade (and much smaller than the CUDA one)
/autograder/venv/bin/python -m pip install --index-url https://download.pytorch.org/whl/cpu \
    "$(grep '^torch==' /autograder/source/lossedu-src/constraints.txt)"
/autograder/venv/bin/python -m pip install -c /autograder/source/lossedu-src/constraints.txt \
    /autograder/source/lossedu-src
chmod 600 /autograder/source/private.json
# say now, in the build log, whether submissions will be sandboxed on this image
/autograder/venv/bin/python -c "from lossedu.grading import sandbox; print('sandbox:', sandbox.status())"
