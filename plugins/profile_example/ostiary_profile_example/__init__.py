"""An example profile-service plugin: claims about people from a JSON file.

The tutorial ``docs/plugins/profile-service.md`` walks through it. The file
named by the setting ``profile_example.path`` maps usernames (or subject
identifiers) to claims, for example the department of each person, as an
HR export might::

    {
      "alice": {"department": "Research", "title": "Explorer"},
      "bob": {"department": "Sales", "active": false}
    }

The plugin adds the scope ``department`` (claims ``department`` and
``title``), answers ``ostiary_profile_claims`` from the file, and vetoes
people whose entry says ``"active": false``.
"""
