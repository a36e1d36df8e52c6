DROP TABLE learn_xapi_activities;
DROP TABLE learn_xapi_agents;
DROP TABLE learn_xapi_statements;
