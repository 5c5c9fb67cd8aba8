"""Reportlab helpers shared by badges, the programme and certificates.

Nothing here knows Flask or the ORM: callers pass plain values and get bytes back.
"""
