"""The shared vocabulary: domain types and states, errors, settings, clock. Depends on nothing else in Relais."""
