"""What every request shares: the server context (engine, clock, settings, rules cache, live feed) and the login
throttle. Above matters: the context holds the event notifier and the feed hub; the workflows are handed a
context and name only its protocol (:class:`huiyin.server.matters.context.MatterContext`)."""
