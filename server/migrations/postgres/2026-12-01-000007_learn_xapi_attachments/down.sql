DROP TABLE learn_xapi_attachments;
