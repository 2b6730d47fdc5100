"""Fill a database with realistic saved discussions, quickly (bulk inserts, SQLAlchemy Core).

Run: .venv/bin/python benchmarks/fill_discussions.py [--database-url URL] [--count N] [--seed S]

One clinic, 30 clinicians (accounts that cannot sign in), discussions spread over the last three
years, ~5% without a patient reference, 70% finished with one revision each. Answers have the
shape the consultation saves (tests/conftest.py), varied per discussion, so rows are realistic
in size. The schema is made by the app's own ``create_schema()`` (its migrations).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))
from conftest import DECISION, OPTIONS, READY, SITUATION, START, VALUES  # noqa: E402
from decision_aid import create_app  # noqa: E402
from decision_aid.accounts.models import Clinic, User  # noqa: E402
from decision_aid.consultation.steps import STEP_IDS  # noqa: E402
from decision_aid.database import create_schema  # noqa: E402
from decision_aid.extensions import db  # noqa: E402
from decision_aid.library import current_content  # noqa: E402
from decision_aid.models import Discussion, Revision, dump_answers  # noqa: E402

CLINIC = "Benchmark clinic"
FIRST = ["Priya", "Tom", "Aisha", "Liam", "Mei", "Olu", "Sofia", "Jonas", "Grace", "Ravi",
         "Hannah", "Kwame", "Elena", "Sean", "Yuki"]
LAST = ["Patel", "Jones", "Khan", "Murphy", "Chen", "Adeyemi", "Rossi", "Berg", "Hopper", "Singh",
        "Clarke", "Mensah", "Novak", "Walsh", "Sato"]
CLINICIANS = [f"{'Dr ' if i % 3 else ''}{FIRST[i % 15]} {LAST[(i * 7 + i // 15) % 15]}" for i in range(30)]
REASONS = ["I would rather avoid needles and try the exercises first",
           "I want the quickest way back to racing, even if it costs more",
           "My friend had a steroid injection and it helped for a few months",
           "I am worried about side effects, so I want to start with the physio plan",
           "I have already tried exercises for a year and want to try something else"]
GOALS = ["Half marathon in the spring", "Parkrun every week without pain", "Back to 30 km a week",
         "A first marathon next year", "Just walking the dog without pain", ""]
NOTES = ["How many PRP visits would it be?", "Is the injection painful?", "", "",
         "Can I keep running while I do the exercises?"]
BATCH = 5000


def answers_for(rng: random.Random, start: dict, content, last_step: str) -> dict:
    """The answers saved up to (and including) last_step, varied around the conftest shape."""
    c = content.consultation
    situation = {**SITUATION, "pain_now": str(rng.randint(1, 9)),
                 "duration": rng.choice([d.id for d in c.durations]),
                 "activities": rng.sample([a.id for a in c.activities], rng.randint(1, 4)),
                 "tried": rng.sample([t.id for t in c.tried], rng.randint(0, 3)),
                 "running_goals": rng.choice(GOALS)}
    for q in c.safety_questions:
        situation[f"safety_{q.id}"] = rng.choices(["no", "yes", "unsure"], [8, 1, 1])[0]
    values = {f"value_{f.id}": rng.choice([s.id for s in c.values_scale] + [""]) for f in c.values_factors}
    values["own_factors"] = rng.choice([VALUES["own_factors"], "", "Cost matters because I am a student"])
    decision = {**DECISION, "choice": rng.choice([o.id for o in content.options] + ["undecided"]),
                "reasons": rng.choice(REASONS), "follow_up_date": (dt.date.fromisoformat(
                    start["discussion_date"]) + dt.timedelta(days=rng.choice([28, 42, 56]))).isoformat()}
    assessed = {"diagnosis": "yes", "no_red_flags": True, "age": rng.randint(18, 65), "companion": None,
                **{f"flag_{f.id}": "no" for f in (content.assessment.red_flags if content.assessment else [])}}
    steps = {"start": start, **({"assessment": assessed} if content.assessment else {}), "situation": situation, "options": {**OPTIONS, "option_notes": rng.choice(NOTES)},
             "values": values, "check": {f"quiz_{q.id}": rng.choice(["true", "false", "unsure"]) for q in c.quiz},
             "ready": {k: rng.choice(["yes", "yes", "no"]) for k in READY}, "decision": decision}
    wanted = STEP_IDS[:STEP_IDS.index(last_step) + 1]
    return {step: answers for step, answers in steps.items() if step in wanted}


def make_app(url: str, instance: str):
    os.environ["INSTANCE_PATH"] = instance
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "PDF_CACHE_DIR": f"{instance}/pdf-cache"})


def fill(url: str, count: int, instance: str, seed: int = 1, quiet: bool = False,
         analyze: bool = False) -> dict:
    """Create the schema and ``count`` discussions at ``url`` (the app's instance folder is
    ``instance``). Returns what a benchmark needs."""
    app = make_app(url, instance)
    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        create_schema()
        content = current_content()
        clinic = Clinic(name=CLINIC)
        users = [User(email=f"clinician{i}@bench.example", name=name, clinic=clinic, password_hash="!")
                 for i, name in enumerate(CLINICIANS)]
        db.session.add_all(users)
        db.session.commit()
        clinic_id, user_ids = clinic.id, [u.id for u in users]
        today = dt.date.today()
        first_day = today - dt.timedelta(days=3 * 365)
        # Spread over three years, in order, so created_at follows the date of the discussion.
        days = sorted(rng.randrange(3 * 365) for _ in range(count))
        common = {"clinic_id": clinic_id, "content_version": content.version,
                  "content_hash": content.content_hash}
        written = 0
        while written < count:
            discussions, revisions = [], []
            for n in range(written, min(written + BATCH, count)):
                who = rng.randrange(len(CLINICIANS))
                date = first_day + dt.timedelta(days=days[n])
                created = dt.datetime.combine(date, dt.time(8)) + dt.timedelta(seconds=rng.randrange(10 * 3600))
                ref = None if rng.random() < 0.05 else f"RK-{rng.randrange(count):06d}"
                start = {**START, "patient_ref": ref or "", "clinician": CLINICIANS[who],
                         "discussion_date": date.isoformat(), "knees": rng.choice(["left", "right", "both"])}
                complete = rng.random() < 0.7
                last = "decision" if complete else rng.choice(STEP_IDS[:-1])
                answers = answers_for(rng, start, content, last)
                answers_json = dump_answers(answers)
                decision = answers.get("decision", {})
                finished = created + dt.timedelta(minutes=rng.randint(15, 40))
                did = uuid.UUID(int=rng.getrandbits(128), version=4)
                discussions.append({
                    **common, "id": did, "created_by_id": user_ids[who], "created_at": created,
                    "updated_at": finished if complete else created,
                    "status": "complete" if complete else "in_progress",
                    "current_step": "summary" if complete else STEP_IDS[STEP_IDS.index(last) + 1],
                    "patient_ref": ref, "patient_ref_key": ref.casefold() if ref else None,
                    "clinician": CLINICIANS[who], "clinician_key": CLINICIANS[who].casefold(),
                    "discussion_date": date, "decision": decision.get("choice"),
                    "follow_up_date": dt.date.fromisoformat(decision["follow_up_date"]) if decision else None,
                    "answers_json": answers_json, "lock_version": 8 if complete else 2,
                    "finished_at": finished if complete else None})
                if complete:
                    revisions.append({"discussion_id": did, "number": 1, "created_at": finished,
                                      "author_id": user_ids[who], "author": CLINICIANS[who],
                                      "reason": "Discussion finished", "answers_json": answers_json,
                                      "content_version": content.version, "content_hash": content.content_hash})
            with db.engine.begin() as connection:
                connection.execute(sa.insert(Discussion.__table__), discussions)
                if revisions:
                    connection.execute(sa.insert(Revision.__table__), revisions)
            written += len(discussions)
            if not quiet:
                print(f"\r  {written:,} of {count:,} discussions", end="", flush=True)
        if analyze:  # the app never runs ANALYZE itself, so by default neither does this
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        db.engine.dispose()
    if not quiet:
        shown = sa.engine.make_url(url).render_as_string(hide_password=True)
        print(f"\r  {count:,} discussions in {time.perf_counter() - started:.1f} s at {shown}")
    return {"url": url, "count": count, "clinic_id": clinic_id,
            "email": "clinician0@bench.example", "clinicians": CLINICIANS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE afterwards (planner statistics)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='decision-aid-fill-')}/discussions.sqlite3"
    with tempfile.TemporaryDirectory(prefix="decision-aid-instance-") as instance:
        fill(url, args.count, instance, args.seed, analyze=args.analyze)


if __name__ == "__main__":
    main()
