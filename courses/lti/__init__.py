"""The LTI 1.3 tool (LTI Advantage): a provincial Moodle launches our courses and lessons (docs/lti.md).

django-lti (``lti_tool``) holds the platforms' registrations, deployments, contexts and memberships;
pylti1p3 under it validates the messages. This package adds what the site needs: the tool's key
(``keys``), a stricter tool configuration and launch checks (``platform``), people linked by
(issuer, subject) and the hand-over to a window of their own (``services``), deep linking, names and
roles, and grade passback through Celery (``tasks``).
"""
