"""Helper for test_backup.py: saves a step over and over, printing "<lock_version> <n>" after each commit.

Run with INSTANCE_PATH and DATABASE_URL set to the test's; the test kills it with SIGKILL mid-loop.
"""
import sqlalchemy as sa

from decision_aid import create_app
from decision_aid.accounts.models import User
from decision_aid.consultation import operations
from decision_aid.extensions import db
from decision_aid.library import current_content

PADDING = "x" * 4000  # each save rewrites several pages, so a kill can land inside a write

app = create_app({"TESTING": True})
with app.app_context():
    user = db.session.scalar(sa.select(User).where(User.email == "clinician@a.example"))
    start = {"patient_ref": "KILL-1", "clinician": user.name, "discussion_date": "2026-01-01", "knees": "left"}
    discussion = operations.create_discussion(db.session, start, current_content(), "situation",
                                              clinic_id=user.clinic_id, user_id=user.id)
    db.session.commit()
    number = 0
    while True:
        number += 1
        operations.save_step(db.session, discussion, "options", {"option_notes": f"save {number} {PADDING}"},
                             discussion.lock_version, "options", user_id=user.id)
        db.session.commit()
        print(discussion.lock_version, number, flush=True)
