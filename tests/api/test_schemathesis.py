"""An independent, schema-driven fuzzer (schemathesis, from PyPI) against the API as it
runs: every operation of /api/v1/openapi.json, with a read token and a write token, every
check schemathesis has (no server errors, every status and header documented, responses
matching their schemas, invalid data refused, valid data accepted, authentication not
ignored, unsupported methods answered 405 with Allow …) and every phase (examples,
coverage of edge values, random fuzzing, stateful sequences). A failure prints the
reproducing request."""
import os
import re
import subprocess
import sys

import pytest

SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
# Enough cases to reach every edge each operation has; a fixed seed repeats the same run.
MAX_EXAMPLES = 100
SEED = 20260212


@pytest.mark.parametrize("scope", ["read", "write"])
def test_every_operation_keeps_to_the_openapi_document(app, world, live_server, scope, tmp_path):
    app.config["API_RATE_LIMIT"] = 10**6  # the fuzzer's pace is not what is tested here
    token = getattr(world.a, scope)
    command = [
        SCHEMATHESIS, "run", f"{live_server}/api/v1/openapi.json", "--url", live_server,
        "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
        "--header", f"Authorization: Bearer {token}",
        "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1",
        "--request-timeout", "30", "--no-color", "--report-dir", str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path,
                         env={**os.environ, "NO_COLOR": "1", "COLUMNS": "160"})
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-12000:]
    cases = re.search(r"(\d+) generated, (\d+) passed(.*)", output)
    assert cases and int(cases[2]) > 100 and "failed" not in cases[3], output[-3000:]
    total = re.search(r"Selected: (\d+)/(\d+)", output)[2]
    assert f"Tested: {total}" in output  # every operation of the document
