ALTER TABLE learn_courses DROP CONSTRAINT learn_courses_tenant_id_certificate_template_id_fkey;
DROP TABLE learn_cohort_members;
DROP TABLE learn_cohorts;
DROP TABLE learn_certificates;
DROP TABLE learn_attempts;
DROP TABLE learn_certificate_templates;
DELETE FROM row_counts WHERE list IN ('learn_certificates', 'learn_attempts');
DELETE FROM row_count_deltas WHERE list IN ('learn_certificates', 'learn_attempts');
