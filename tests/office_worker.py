"""A clerk's PC in a concurrency test: `python office_worker.py DATA_DIR USERS_JSON N [HOLD]`.

Stores N checks, each followed by a feedback (a second version), alternating between the
clerks given (of different departments), through the office database the machine
configuration names. With HOLD, after N checks it starts one more check inside an open
transaction, writes the file HOLD and waits there until it is killed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from office_helpers import check_result

from desktop_app.context import AppContext
from desktop_app.models.users_store import User
from desktop_app.services import records


def main() -> int:
    data_dir, users_json, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    hold = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    clerks = [User(**data) for data in json.loads(users_json)]
    ctx = AppContext(Path(data_dir))
    stored = []
    for index in range(count):
        clerk = clerks[index % len(clerks)]
        record = records.record_check(ctx, clerk, check_result(clerk))
        records.add_feedback(
            ctx, clerk, record["record_number"], [records.FeedbackInput("LZ-TEST-1", "applied")]
        )
        stored.append(record["record_number"])
    if hold is not None:
        with ctx.office.transaction():
            records.record_check(ctx, clerks[0], check_result(clerks[0]))
            hold.write_text("in the middle of a transaction", encoding="utf-8")
            time.sleep(600)
    ctx.close()
    print(json.dumps(stored, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
