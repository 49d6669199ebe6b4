# gunicorn settings of one Arrival app server (arrival-web.service:
# gunicorn -c config/deploy/gunicorn.conf.py app:app). Every server of a deployment
# runs the same file; the reverse proxy (config/deploy/haproxy-arrival.cfg) spreads
# requests over them. Nothing here keeps state: sessions are database rows, limits
# count in Redis, the nightly job takes a database lock.
import os

# ARRIVAL_BIND: where the proxy reaches this server. Loopback when the proxy runs on
# the same machine; the private address otherwise — then only the proxy may reach
# it (firewall), because the app believes the X-Forwarded-* headers it gets
# (TRUSTED_PROXIES=1).
bind = os.environ.get("ARRIVAL_BIND", "127.0.0.1:8000")
# Synchronous workers: about two per core (gunicorn also reads WEB_CONCURRENCY).
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# The slowest request (a situation report generated from the page) takes seconds.
timeout = 60
# On SIGTERM (a release, systemctl restart) workers finish what they serve; the
# proxy's health check has already taken the server out by then.
graceful_timeout = 20
keepalive = 5
# The access log without query strings (they may hold search terms: names).
accesslog = os.environ.get("ARRIVAL_ACCESS_LOG", "-") or None  # empty: none
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss %({x-request-id}i)s'
loglevel = os.environ.get("ARRIVAL_GUNICORN_LOG_LEVEL", "info")
proc_name = "arrival"
