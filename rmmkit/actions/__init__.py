"""Actions: what a task does on a host (discover, agent_status, deploy_agent, …)."""
