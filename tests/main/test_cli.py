from sqlalchemy import func, select

from app.extensions import db
from app.models import Topic, User


def test_seed_is_idempotent(runner):
    """`flask seed` creates 8+ topics once; a second run adds none."""
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0
    count = db.session.scalar(select(func.count(Topic.id)))
    assert count >= 8
    second = runner.invoke(args=["seed"])
    assert "Seeded 0 new" in second.output
    assert db.session.scalar(select(func.count(Topic.id))) == count


def test_users_create_admin(runner):
    """`flask users create --admin` makes an admin account."""
    result = runner.invoke(args=["users", "create", "--admin", "--email", "boss@example.com",
                                 "--username", "boss", "--password", "a long admin passphrase"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "boss")).is_admin


def test_users_create_refuses_weak_password(runner):
    """The CLI applies the same password policy."""
    result = runner.invoke(args=["users", "create", "--email", "w@example.com", "--username", "weak", "--password", "short"])
    assert result.exit_code != 0 and "at least 10" in result.output
