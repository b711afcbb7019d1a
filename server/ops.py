"""Blueprint placeholder, filled in by the work on issue 3."""

from flask import Blueprint

blueprint = Blueprint("ops", __name__)
