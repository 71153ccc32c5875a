"""What apps built on activities (stages) hear of, without activities importing them.

- `register_marked`: functions (session, client_ids, by) called after a session's register
  is saved; stages makes ladder evidence for the tasks whose required rate is now met.
"""

register_marked = []


def marked(session, client_ids, by):
    for handler in register_marked:
        handler(session, client_ids, by)
