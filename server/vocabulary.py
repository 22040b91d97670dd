"""Placeholder blueprint 'vocabulary' (filled in by its issue)."""
from flask import Blueprint

bp = Blueprint("vocabulary", __name__)
