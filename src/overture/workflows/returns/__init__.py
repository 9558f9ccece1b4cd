"""The return workflow: one durable run per return (RMA), from request to credit memo."""
