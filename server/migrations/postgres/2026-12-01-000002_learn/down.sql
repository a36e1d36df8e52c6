DROP TABLE learn_activity_completions;
DROP TABLE learn_enrollments;
DROP TABLE learn_activities;
DROP TABLE learn_lessons;
DROP TABLE learn_modules;
DROP TABLE learn_courses;
DELETE FROM row_counts WHERE list IN ('learn_courses', 'learn_enrollments');
DELETE FROM row_count_deltas WHERE list IN ('learn_courses', 'learn_enrollments');
