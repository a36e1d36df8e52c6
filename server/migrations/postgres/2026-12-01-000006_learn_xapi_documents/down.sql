DROP TABLE learn_xapi_documents;
