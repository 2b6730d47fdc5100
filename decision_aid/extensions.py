"""Extensions, created unbound and initialised in the app factory."""
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


# Objects stay readable after a commit: views commit early (so SQLite's write lock is held
# only briefly, see database.py) and then go on rendering what they loaded.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
csrf = CSRFProtect()
