"""Parity test harness: provisioning, fixtures and reporting for the MySQL/DynamoDB comparison."""
