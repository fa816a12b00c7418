"""StoryForge: make AI video stories together."""
from __future__ import annotations

from flask import Flask, abort, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.query import MAX_ID
from config import Config, config_from_env


class DatabaseId(IntegerConverter):
    """``<int:…>`` in URLs: a positive number a database id can be; anything larger is simply not found."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(config_class: type[Config] | None = None) -> Flask:
    """Build the app: bind extensions, register blueprints. No I/O beyond config."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=False)
    app.config.from_object(config_class or config_from_env())
    _refuse_unsafe_config(app)
    from app import observability
    from app.observability.scrape import bp as metrics_bp

    observability.init_app(app)
    app.register_blueprint(metrics_bp)
    app.url_map.converters["int"] = DatabaseId
    _behind_proxies(app)

    from app.routing import CONVERTERS

    app.url_map.converters.update(CONVERTERS)  # before any blueprint's routes name them
    _init_extensions(app)
    _register_blueprints(app)

    from app import caching, cli, errors, headers, templating

    errors.register(app)
    headers.register(app)
    app.before_request(_refuse_oversized_bodies)
    caching.init_app(app)
    templating.init_app(app)
    cli.register(app)

    from app.continuity import language

    language.use(app.config.get("NLP_MODEL"))
    return app


def _refuse_unsafe_config(app: Flask) -> None:
    if not app.config.get("PUBLIC_BASE_URL"):
        raise RuntimeError("Set PUBLIC_BASE_URL (e.g. https://storyforge.example): links in mail are built from it.")
    if app.config.get("REFUSE_GENERATED_SECRET_KEY") and app.config.get("SECRET_KEY_GENERATED"):
        raise RuntimeError("Set SECRET_KEY or SECRET_KEY_FILE: production never signs sessions with a generated key.")


def _init_extensions(app: Flask) -> None:
    from app.extensions import cache, csrf, db, limiter, login_manager, migrate
    from app.sessions import RememberedCookieSessions

    app.session_interface = RememberedCookieSessions()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app import auth, main, models, topics  # noqa: F401  (models registers tables)
    from app.account import bp as account_bp
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.api import docs_bp as api_docs_bp
    from app.assets import bp as assets_bp
    from app.feedback import bp as feedback_bp
    from app.moderation.web import bp as moderation_bp
    from app.scenes import bp as scenes_bp
    from app.users import bp as users_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(topics.bp, url_prefix="/topics")
    app.register_blueprint(scenes_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(api_docs_bp, url_prefix="/api")
    app.register_blueprint(feedback_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(moderation_bp)


def _behind_proxies(app: Flask) -> None:
    """Trust X-Forwarded-* from exactly as many proxies as configured, so rate limits see the client's address."""
    hops = {name: app.config[f"PROXY_FIX_X_{name.upper()}"] for name in ("for", "proto", "host", "port", "prefix")}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{name}": count for name, count in hops.items()})


def _refuse_oversized_bodies() -> None:
    """A declared body over MAX_CONTENT_LENGTH is a 413 before anything reads it, whatever the view."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit and (request.content_length or 0) > limit:
        abort(413)
