DROP TABLE learn_cohort_members;
DROP TABLE learn_cohorts;
DROP TABLE learn_certificates;
DROP TABLE learn_attempts;
DROP TABLE learn_certificate_templates;
DELETE FROM row_counts WHERE list IN ('learn_certificates', 'learn_attempts');
