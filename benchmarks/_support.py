"""What the benchmark scripts share: a client signed in through a real server-side session."""
from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from decision_aid.accounts.models import Clinic, User, UserSession
from decision_aid.extensions import db


def signed_in_client(app, email: str = "bench@clinic.example", name: str = "Dr Bench"):
    """A test client with a session row, as a sign-in makes (the user is created if missing,
    with a password that can never match, so it cannot sign in for real)."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, password_hash="!", clinic=Clinic(name="Benchmark clinic"))
            db.session.add(user)
            db.session.flush()
        token = secrets.token_urlsafe(32)
        db.session.add(UserSession(token_hash=hashlib.sha256(token.encode()).hexdigest(), user_id=user.id))
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    with client.session_transaction() as browser_session:
        browser_session["sid"], browser_session["_user_id"] = token, str(user_id)
    return client
