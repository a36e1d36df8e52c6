DROP TABLE learn_live_attendance;
DROP TABLE learn_live_sessions;
DROP TABLE learn_scorm_results;
DROP INDEX learn_activities_scorm;
DROP INDEX learn_activities_live;
DROP TABLE learn_scorm_packages;
