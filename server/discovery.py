"""Placeholder blueprint 'discovery' (filled in by its issue)."""
from flask import Blueprint

bp = Blueprint("discovery", __name__)
