"""The other side's answers to a list we handed over: imported as a file onto an exchange,
paired with the exchange's people by the matching engine, confirmed by a person."""
