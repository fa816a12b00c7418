"""Command-line tools: `flask users create`, `flask seed`, `flask worker`, `flask redis`."""
from __future__ import annotations

import getpass
import signal
from pathlib import Path

import click
from flask import Flask, current_app

from app.models import Role


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(seed)
    app.cli.add_command(worker)
    app.cli.add_command(redis_command)
    app.cli.add_command(backup)


@click.group()
def users():
    """Manage accounts."""


@users.command("create")
@click.option("--email", prompt=True)
@click.option("--username", prompt=True)
@click.option("--password", help="Prompted for when omitted.")
@click.option("--admin", is_flag=True, help="Give the account the admin role.")
@click.option("--moderator", is_flag=True, help="Give the account the moderator role.")
def create_user(email: str, username: str, password: str | None, admin: bool, moderator: bool):
    """Create an account (optionally an admin or moderator)."""
    from app.auth.accounts import AccountError, register_user

    if password is None:
        password = getpass.getpass("Password: ")
    role = Role.ADMIN if admin else Role.MODERATOR if moderator else Role.USER
    try:
        user = register_user(email, username, password, role=role)
    except AccountError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"Created {user.role} {user.username} <{user.email}>")


@click.command()
@click.option("--demo", is_flag=True, help="Also create the demo account and its scenes (the worker renders them).")
@click.option("--if-empty", is_flag=True, help="With --demo: only when the site has no scenes yet.")
@click.option("--scale", is_flag=True, help="Also build a load-test world: writers, scenes, forks, segments.")
@click.option("--users", default=10_000, show_default=True, help="Writers to add (with --scale).")
@click.option("--scenes", default=50_000, show_default=True, help="Scenes to add, a fifth of them forks (with --scale).")
@click.option("--segments", default=250_000, show_default=True, help="Segments to add (with --scale).")
@click.option("--clips", default=4, show_default=True, help="Real clips rendered once and shared by all segments.")
@click.option("--add", is_flag=True, help="Add to an existing scale world instead of refusing.")
@click.option("--random-seed", default=7, show_default=True, help="Seed of the world's shape.")
def seed(demo: bool, if_empty: bool, scale: bool, users: int, scenes: int, segments: int, clips: int, add: bool,
         random_seed: int):
    """Create the starter topics (safe to run again); with --demo the demo scenes, with --scale a world at
    production size."""
    from app.topics.catalog import seed_topics

    added = seed_topics()
    click.echo(f"Seeded {added} new topic(s).")
    if demo:
        _seed_demo(if_empty)
    if scale:
        _seed_scale(users, scenes, segments, clips, add, random_seed)


def _seed_demo(if_empty: bool) -> None:
    from app.seeding import demo as demo_content

    if if_empty and demo_content.has_scenes():
        click.echo("The site has scenes already; no demo content added.")
        return
    try:
        scenes = demo_content.seed_demo()
    except demo_content.DemoRefused as err:
        click.echo(str(err))
        return
    if scenes is None:
        click.echo(f"The demo account '{demo_content.DEMO_USERNAME}' exists already; nothing to do.")
        return
    click.echo(f"Started {len(scenes)} demo scenes by '{demo_content.DEMO_USERNAME}'; the worker renders "
               f"{demo_content.demo_segment_count()} segments, first segments first.")


def _seed_scale(users: int, scenes: int, segments: int, clips: int, add: bool, random_seed: int) -> None:
    from app.seeding.scale import SCALE_PASSWORD, ScaleWorldRefused, build_scale_world
    from app.seeding.shape import WorldSize, WorldTooSmall

    try:
        built = build_scale_world(WorldSize(users, scenes, segments), clips=clips, add=add, seed=random_seed,
                                  report=lambda line: click.echo(f"  {line}"))
    except (ScaleWorldRefused, WorldTooSmall) as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"Scale world: {built.users} writers, {built.scenes} scenes ({built.forks} forks), "
               f"{built.segments} segments, {built.bible_changes} Bible changes in {built.seconds:.1f} s. "
               f"Writers sign in as writer00001… with the password {SCALE_PASSWORD!r}.")


def ensure_redis() -> object | None:
    """Start this instance's embedded Redis when no REDIS_URL is configured; returns the process we started
    (None when it already runs). Refuses a server that answers there but keeps another instance's data."""
    cfg = current_app.config
    if not cfg["REDIS_EMBEDDED"]:
        return None
    from app.runtime import embedded_redis

    port = cfg["EMBEDDED_REDIS_PORT"]
    try:
        return embedded_redis.start(port, Path(cfg["INSTANCE_DIR"]) / "redis",
                                    unix_socket=None if port else Path(cfg["EMBEDDED_REDIS_SOCKET"]))
    except embedded_redis.NotOurRedis as err:
        raise click.ClickException(str(err)) from err


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@click.command("redis")
def redis_command():
    """Keep this instance's embedded Redis running in the foreground (only when REDIS_URL is unset).

    Prints "Embedded Redis ready at <url>" once it answers; exits with 1 when the server stops.
    """
    import time

    from app.runtime import embedded_redis

    cfg = current_app.config
    if not cfg["REDIS_EMBEDDED"]:
        click.echo(f"REDIS_URL is set ({cfg['REDIS_URL']}); no embedded Redis to run.")
        return
    proc = ensure_redis()
    click.echo(f"Embedded Redis ready at {cfg['REDIS_URL']}" + (" (started earlier)" if proc is None else ""))
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    port, socket = cfg["EMBEDDED_REDIS_PORT"], None if cfg["EMBEDDED_REDIS_PORT"] else Path(cfg["EMBEDDED_REDIS_SOCKET"])
    try:
        while proc.poll() is None if proc is not None else embedded_redis.is_running(port, unix_socket=socket):
            time.sleep(0.5)
    except KeyboardInterrupt:
        if proc is None:  # a server of this instance that an earlier run left: it stops with us all the same
            embedded_redis.shutdown(port, unix_socket=socket)
        return
    finally:
        embedded_redis.stop(proc)
    raise click.ClickException("the embedded Redis stopped")


@click.command()
@click.option("--queues", "-q", multiple=True, help="Queues to listen on (default: all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queues: tuple[str, ...], burst: bool):
    """Run an RQ worker inside the app context on the named queues.

    At start, and then every RECONCILE_INTERVAL seconds, generations that lost their
    worker or their queue entry are put back on the queue.
    """
    from app.runtime import embedded_redis
    from app.runtime.worker import run_worker

    proc = ensure_redis()
    if port := current_app.config["WORKER_METRICS_PORT"]:
        from app.observability.jobs import serve_worker_metrics

        serve_worker_metrics(port)
    try:
        run_worker(current_app._get_current_object(), list(queues) or current_app.config["QUEUES"], burst)
    finally:
        embedded_redis.stop(proc)


@click.group()
def backup():
    """Back the site up (database and media), check a backup, restore one."""


@backup.command("create")
@click.argument("location", required=False)
def backup_create(location: str | None):
    """Back up to LOCATION, a folder or s3://bucket/prefix (default: instance/backups/<time>)."""
    from datetime import UTC, datetime

    from app.backups import BackupError, create_backup

    if location is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        location = str(Path(current_app.config["INSTANCE_DIR"]) / "backups" / f"backup-{stamp}")
    try:
        create_backup(location, say=click.echo)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(location)


@backup.command("verify")
@click.argument("location")
def backup_verify(location: str):
    """Check that the backup at LOCATION is whole (checksums of the database file and every media object)."""
    from app.backups import BackupError, verify_backup

    try:
        report = verify_backup(location, say=click.echo)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    for problem in report.problems:
        click.echo(f"problem: {problem}", err=True)
    if not report.ok:
        raise click.ClickException(f"the backup has {len(report.problems)} problem(s)")
    media = report.manifest["media"]
    click.echo(f"backup is whole: {report.manifest['database']['file']} and {media['count']} media objects")


@backup.command("restore")
@click.argument("location")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def backup_restore(location: str, yes: bool):
    """Restore the backup at LOCATION into this site's empty database and empty media storage."""
    from app.backups import BackupError, restore_backup

    if not yes:
        click.confirm(f"Restore {location} into {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}?",
                      abort=True)
    try:
        restore_backup(location, say=click.echo)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
