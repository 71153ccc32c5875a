"""Reading what a view answered, in tests."""


def body_of(response):
    """The body of a page or of a file response. Reading a streamed response to the end
    closes it (the test client's wrapper does). Closing it again would send
    request_finished with Django's close_old_connections listening, which closes the
    database connection: on PostgreSQL, in the middle of the test's transaction."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content
