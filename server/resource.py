"""Placeholder blueprint 'resource' (filled in by its issue)."""
from flask import Blueprint

bp = Blueprint("resource", __name__)
