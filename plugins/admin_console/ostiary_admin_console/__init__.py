"""The web admin console: server-rendered pages at ``/admin`` for people
who hold the admin role, on the administration service layer
(``ostiary.plugin.admin``), the same functions the admin API and the
command line use."""
