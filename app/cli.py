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
    """Start the embedded Redis when no REDIS_URL is configured; returns the process we started."""
    if not current_app.config["REDIS_EMBEDDED"]:
        return None
    from app.services import embedded_redis

    return embedded_redis.start(current_app.config["EMBEDDED_REDIS_PORT"], Path(current_app.config["INSTANCE_DIR"]) / "redis")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@click.command("redis")
def redis_command():
    """Run the embedded Redis in the foreground (only when REDIS_URL is unset)."""
    import time

    from app.services import embedded_redis

    proc = ensure_redis()
    if proc is None:
        click.echo("Redis already reachable; nothing to start.")
        return
    click.echo(f"Embedded Redis on 127.0.0.1:{current_app.config['EMBEDDED_REDIS_PORT']} (Ctrl-C stops it)")
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        while proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        embedded_redis.stop(proc)


@click.command()
@click.option("--queues", "-q", multiple=True, help="Queues to listen on (default: all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(queues: tuple[str, ...], burst: bool):
    """Run an RQ worker inside the app context on the named queues.

    At start, and then every RECONCILE_INTERVAL seconds, generations that lost their
    worker or their queue entry are put back on the queue.
    """
    from app.services import embedded_redis
    from app.services.worker import run_worker

    proc = ensure_redis()
    try:
        run_worker(current_app._get_current_object(), list(queues) or current_app.config["QUEUES"], burst)
    finally:
        embedded_redis.stop(proc)
