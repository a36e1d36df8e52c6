DROP TABLE helpdesk_message_attachments;
DROP TABLE files;
